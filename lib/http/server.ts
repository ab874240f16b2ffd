import http from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

// The HTTP server for the app. Express gives every request and response its app's
// prototypes with Object.setPrototypeOf, and V8 then gives each of them a hidden class of its
// own: every property read or write on them misses its inline cache, on every request
// (measured with `perf`: ~14% of the app's CPU on the Accounts page). Requests and responses
// born with those prototypes need no change: Express's setPrototypeOf to the prototype an
// object already has does nothing, and their hidden classes are shared again.
export function createHttpServer(app: Express): http.Server {
  function PortalRequest(this: http.IncomingMessage, socket: Socket): void {
    Reflect.apply(http.IncomingMessage, this, [socket]);
  }
  PortalRequest.prototype = app.request;
  function PortalResponse(this: http.ServerResponse, req: http.IncomingMessage, options?: object): void {
    Reflect.apply(http.ServerResponse, this, [req, options]);
  }
  PortalResponse.prototype = app.response;
  return http.createServer(
    {
      IncomingMessage: PortalRequest as unknown as typeof http.IncomingMessage,
      ServerResponse: PortalResponse as unknown as typeof http.ServerResponse,
    },
    app,
  );
}
