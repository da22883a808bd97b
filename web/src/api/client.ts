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

type Answer<D> = { data?: D; error?: unknown; response: Response };

/**
 * The body of a successful answer, or an ApiError (thrown) with the API's code and message.
 * The body's type is the route's declared answer in the generated schema (docs/decisions/0010);
 * a caller that names it (`call<Page<Mailing>>(…)`) is checked against it: the route's answer
 * must be assignable to the named type, so a hand-written name cannot drift from the API.
 */
export async function call<D>(request: () => Promise<Answer<D>>): Promise<D> {
  let answer: Answer<D>;
  try {
    answer = await request();
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw networkError(e);
  }
  if (!answer.response.ok) throw errorFromResponse(answer.response.status, answer.error);
  return answer.data as D;
}
