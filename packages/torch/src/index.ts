export { runtimeInfo, setThreads, type RuntimeInfo } from './runtime';
export { selfTest, type SelfTestOptions, type SelfTestResult } from './self-test';
export { defaultThreads } from './native';
