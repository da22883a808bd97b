import { z } from 'zod';

/** An optional, trimmed text field of at most `max` characters; null or '' clears it. */
export const optionalText = (max: number) => z.string().trim().max(max).nullish();
