/**
 * The dashboard: `GET /` is the page, `/dashboard/*` its script and style (this folder, plain
 * files, no build step), `/vendor/uplot/*` the charting library straight from node_modules, so
 * the page needs no CDN. None of these is part of the OpenAPI document.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

const here = dirname(fileURLToPath(import.meta.url));
// The package's main file is dist/uPlot.cjs.js; its browser builds sit beside it.
const uplotDist = dirname(createRequire(import.meta.url).resolve('uplot'));

const PAGE_FILES = ['index.html', 'dashboard.js', 'dashboard.css'];

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, {
    root: here,
    prefix: '/dashboard/',
    // Only the page's own files: this folder also holds this module's source.
    allowedPath: (pathName) => PAGE_FILES.includes(pathName.replace(/^\//, '')),
    index: false,
    // The page changes with the code: revalidate rather than keep a stale copy.
    maxAge: 0,
  });
  await app.register(fastifyStatic, {
    root: uplotDist,
    prefix: '/vendor/uplot/',
    allowedPath: (pathName) => ['uPlot.esm.js', 'uPlot.min.css'].includes(pathName.replace(/^\//, '')),
    index: false,
    decorateReply: false,
    maxAge: '1d',
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html', here));
};
