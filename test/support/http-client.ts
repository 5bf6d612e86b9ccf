import http from 'node:http';

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  readonly body: any;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  /** Sent as is; objects are sent as JSON with Content-Type application/json unless headers say otherwise. */
  readonly body?: string | Buffer | object;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Called with every reply before it is returned, e.g. to check it against the OpenAPI document. */
export type ReplyCheck = (
  reply: Reply & { method: string; path: string; contentType: string | undefined; request: { contentType?: string; body?: string | Buffer } },
) => void;

/** A small HTTP client over node:http, so tests can send any bytes and headers they like. */
export function request(baseUrl: string, method: string, path: string, options: RequestOptions = {}, check?: ReplyCheck): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | Buffer | undefined;
  if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) payload = options.body;
  else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, baseUrl), { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
        const reply = { status: res.statusCode!, headers: res.headers, text, body };
        try {
          const sentType = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
          check?.({ ...reply, method, path, contentType: res.headers['content-type'], request: { contentType: sentType, body: payload } });
        } catch (error) {
          reject(error);
          return;
        }
        resolve(reply);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function client(baseUrl: string, check?: ReplyCheck) {
  return {
    get: (path: string, options?: RequestOptions) => request(baseUrl, 'GET', path, options, check),
    post: (path: string, options?: RequestOptions) => request(baseUrl, 'POST', path, options, check),
    put: (path: string, options?: RequestOptions) => request(baseUrl, 'PUT', path, options, check),
    send: (method: string, path: string, options?: RequestOptions) => request(baseUrl, method, path, options, check),
  };
}

export type Client = ReturnType<typeof client>;
