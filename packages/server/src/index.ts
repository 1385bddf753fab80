export { type Config, ConfigError, loadConfig, SETTINGS } from './config/config.js';
export { AuthError, type ErrorCode } from './core/errors.js';
export { type RunningServer, startServer } from './server.js';
