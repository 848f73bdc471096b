import { describeGeneratedApp } from './support/generated-app';

describeGeneratedApp(11);
