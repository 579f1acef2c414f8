import { ApiResponse } from '@nestjs/swagger';

/**
 * A route that answers in text (CSV, NDJSON, a plain-text draft) names the media type; when it can
 * also answer JSON, the JSON schema is derived from its return type beside it (success-responses.ts).
 */
export const ApiTextResponse = (mediaType: string, description: string, status = 200) =>
  ApiResponse({ status, description, content: { [mediaType]: { schema: { type: 'string' } } } });
