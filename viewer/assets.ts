import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import { projectRoot } from '../config/load-config';
import { locals } from '../broker/http/request-context';

interface Asset {
  readonly body: Buffer;
  readonly gzip?: Buffer;
  readonly type: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/** A year: every asset URL carries a hash of the whole set, so a new release is a new URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The viewer's static files, served by the broker itself (no CDN): nhsuk-frontend's compiled CSS and
 * its icons, and the viewer's own CSS, script and web app manifest. A fixed set read once at start
 * (no path from the request reaches the file system), gzipped once, under `/viewer/assets/{hash}/`.
 */
export function viewerAssets(): { prefix: string; routes: Router; bytes: ReadonlyMap<string, number> } {
  const nhsuk = path.join(projectRoot(), 'node_modules', 'nhsuk-frontend', 'dist', 'nhsuk');
  const own = path.join(projectRoot(), 'viewer', 'public');
  const files = new Map<string, string>([
    ['nhsuk.min.css', path.join(nhsuk, 'nhsuk-frontend.min.css')],
    ...readdirSync(path.join(nhsuk, 'assets', 'images'))
      .filter((name) => /^(favicon|nhsuk-icon-(180|192|512|mask))\./.test(name))
      .map((name): [string, string] => [`images/${name}`, path.join(nhsuk, 'assets', 'images', name)]),
    ...readdirSync(own).map((name): [string, string] => [name, path.join(own, name)]),
  ]);
  const assets = new Map<string, Asset>();
  const hash = createHash('sha256');
  for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const body = readFileSync(file);
    hash.update(name).update(body);
    const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
    const compressible = /^(text|application)\/|svg/.test(type);
    assets.set(name, { body, type, ...(compressible ? { gzip: gzipSync(body, { level: 9 }) } : {}) });
  }
  const prefix = `/viewer/assets/${hash.digest('hex').slice(0, 12)}`;
  const routes = Router();
  routes.get(`${prefix}/*path`, (req, res, next) => {
    const name = (req.params as { path: string[] }).path.join('/');
    const asset = assets.get(name);
    if (!asset) return next();
    locals(res).route = '/viewer/assets/*';
    const gzip = asset.gzip && /\bgzip\b/.test(req.get('accept-encoding') ?? '');
    res.set({
      'Content-Type': asset.type,
      'Cache-Control': IMMUTABLE,
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.send(gzip ? asset.gzip : asset.body);
  });
  const bytes = new Map([...assets].map(([name, a]) => [name, (a.gzip ?? a.body).length]));
  return { prefix, routes, bytes };
}
