/** How the OpenAPI document describes entity tags and If-Match (conditional-requests.ts). */

export const TAG_HEADERS = {
  ETag: {
    description: 'Strong entity tag of the document as GET shows it (RFC 9110 §8.8.3); send it back in If-Match to write only if nobody changed it since',
    schema: { type: 'string' },
  },
};

export const IF_MATCH_PARAMETER = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag a GET of this path answered (or "*": it must exist). A stale tag is 412 and nothing is written; without it the write happens as before (RFC 9110 §13.1.1)',
  schema: { type: 'string' },
};

export const PRECONDITION_FAILED = {
  description: 'If-Match does not match the current ETag (someone changed it since it was read), or "*" and it does not exist: nothing was written',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};
