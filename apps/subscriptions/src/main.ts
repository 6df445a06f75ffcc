import 'reflect-metadata';
import { SubscriptionsConfig } from '@app/config';
import { runService } from '@app/observability';
import { createSubscriptionsApp } from './subscriptions.app';

void runService('subscriptions', SubscriptionsConfig, createSubscriptionsApp);
