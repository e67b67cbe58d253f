/**
 * Writes contracts/schemas/*.json from the zod schemas, for departments that do not
 * write TypeScript. Run with `pnpm schemas`; a test fails when the files are stale.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderSchemas } from '../src/json-schema.ts';

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
mkdirSync(`${dir}data`, { recursive: true });
for (const [name, schema] of Object.entries(renderSchemas())) {
  writeFileSync(`${dir}${name}.json`, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/${name}.json`);
}
