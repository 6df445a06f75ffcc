import 'reflect-metadata';
import { FanoutConfig } from '@app/config';
import { runService } from '@app/observability';
import { createFanoutApp } from './fanout.app';

void runService('fanout', FanoutConfig, createFanoutApp);
