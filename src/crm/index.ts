export * from './companies.service.js';
export * from './criteria.js';
export * from './custom-fields.service.js';
export * from './demo.js';
export * from './persons.service.js';
export * from './preferences.service.js';
export * from './projects.service.js';
export * from './selections.service.js';
