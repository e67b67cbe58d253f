import type { z } from 'zod';
import { problemsFromZod } from '@journeys/contracts';
import { badRequest } from '../problem.ts';

/** Parses `req.query` (or params) with a zod schema; every problem is reported with a `query.` path. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, where: 'query' | 'path' = 'query'): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = problemsFromZod(result.error, where);
    throw badRequest(
      `The ${where === 'query' ? 'query string' : 'URL'} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return result.data;
}
