import createClient from 'openapi-fetch';
import { errorFromResponse, networkError } from './errors';
import type { paths } from './schema';

/**
 * The one API client: typed by the generated `schema.d.ts` (`npm run openapi`), same origin,
 * with the session cookie. Every request says `X-Posthorn-CSRF: 1`: the server refuses a
 * cookie-authenticated write without it (docs/security.md).
 */
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? '',
  credentials: 'same-origin',
  headers: { 'X-Posthorn-CSRF': '1' },
});

type Answer = { data?: unknown; error?: unknown; response: Response };

/**
 * The body of a successful answer, or an ApiError (thrown) with the API's code and message.
 * `T` names the answer's shape: the routes declare their answers, so the names in ./types.ts are
 * the generated components of the schema (docs/decisions/0010).
 */
export async function call<T>(request: () => Promise<Answer>): Promise<T> {
  let answer: Answer;
  try {
    answer = await request();
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw networkError(e);
  }
  if (!answer.response.ok) throw errorFromResponse(answer.response.status, answer.error);
  return answer.data as T;
}
