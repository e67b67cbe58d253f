export * from './zone.ts';
export * from './business-calendar.ts';
export * from './calendar-set.ts';
export { UnknownRegionError } from './holidays.ts';
