import 'reflect-metadata';
import { DeliveryConfig } from '@app/config';
import { runService } from '@app/observability';
import { createDeliveryApp } from './delivery.app';

void runService('delivery', DeliveryConfig, createDeliveryApp);
