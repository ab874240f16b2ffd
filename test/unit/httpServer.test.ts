import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { expect } from 'chai';
import express from 'express';
import { createHttpServer } from '../../lib/http/server.ts';

describe('the HTTP server (lib/http/server.ts)', () => {
  let server: http.Server;
  let url: string;
  const born: { request?: boolean; response?: boolean } = {};
  const app = express();
  app.get('/echo', (req, res) => {
    res.cookie('seen', String(req.query.q));
    res.status(201).json({ q: req.query.q, ip: req.ip, path: req.path, xhr: req.xhr });
  });

  before(async () => {
    server = createHttpServer(app);
    // Before Express's own handler: what the request and response were made as.
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      born.request = Object.getPrototypeOf(req) === app.request;
      born.response = Object.getPrototypeOf(res) === app.response;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('makes requests and responses with the app’s prototypes, so Express need not change them', async () => {
    await fetch(`${url}/echo?q=1`);
    expect(born).to.deep.equal({ request: true, response: true });
  });

  it('serves as a plain server would: Express’s request and response work in full', async () => {
    const res = await fetch(`${url}/echo?q=a%20b`, { headers: { 'X-Requested-With': 'XMLHttpRequest' } });
    expect(res.status).to.equal(201);
    expect(res.headers.get('set-cookie')).to.match(/^seen=a%20b; Path=\//);
    expect(await res.json()).to.deep.equal({ q: 'a b', ip: '127.0.0.1', path: '/echo', xhr: true });
    const missing = await fetch(`${url}/nothing`, { method: 'POST', body: 'x' });
    expect(missing.status).to.equal(404);
  });
});
