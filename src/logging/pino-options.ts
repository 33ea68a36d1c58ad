/**
 * JSON logs with a request id and nothing else of the request: no headers (tokens), no query string
 * (names, birth dates, identifiers), no bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/index.js';

export function pinoOptions(config: AppConfig, destination?: DestinationStream): Params {
  const options = {
    level: config.logLevel,
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
    quietReqLogger: true,
    // Request lines are written by the Fastify onResponse hook (src/http/fastify-hooks.ts), for every request.
    autoLogging: false,
    serializers: {
      req: (req: IncomingMessage & { id?: string }) => ({ id: req.id, method: req.method, path: pathOnly(req.url) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: (err: { name?: string; code?: string }) => ({ type: err?.name, code: err?.code }),
    },
    redact: { paths: ['req.headers', 'res.headers', 'authorization', '*.authorization'], remove: true },
  };
  return { pinoHttp: destination ? [options, destination] : options };
}

/** `/fhir/Patient?name=x` -> `/fhir/Patient`. */
export function pathOnly(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
