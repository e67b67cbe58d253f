export { importLog, describeDropped, type ImportOptions, type ImportResult, type ImportProgress, type DroppedRow, type ImportDropReason } from './import.ts';
export { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './limits.ts';
export { exportLog, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './export.ts';
export { OcelDocumentSchema, OcelEventSchema, OcelObjectSchema, OcelTypeSchema, OCEL_ATTRIBUTE_TYPES, type OcelDocument, type OcelEvent, type OcelObject, type OcelType } from './ocel.ts';
export { LogFormatError, ImportAppendError } from './errors.ts';
export { parseLogTimestamp, type LogInstant } from './timestamp.ts';
export { DROP_REASONS, IMPORT_ID_NAMESPACE, typeForLifecycle, type DropReason } from './mapping.ts';
export { DEFAULT_COLUMNS, type ColumnMapping } from './row.ts';
export { detectFormat, LOG_FORMATS, type LogFormat } from './source.ts';
