/** Public surface of the backend-for-frontend endpoints. */
export { BffModule } from './bff.module.js';
