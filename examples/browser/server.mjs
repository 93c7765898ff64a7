// A tiny static server for the browser check, on a free loopback port:
//   /                      index.html (the page)
//   /vectors.mjs           the shared vector replay (also used from Node)
//   /callstate-wasm/…      the installed package (node_modules/callstate-wasm, from `npm pack`)
//   /vectors/index.json    the list of tests/vectors/*.json; /vectors/<file> each file
// `node server.mjs [port]` serves until stopped; tests `import { serve }`.
import { createServer } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const VECTORS = join(here, '../../tests/vectors');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript',
  '.json': 'application/json', '.wasm': 'application/wasm',
};

/** Starts the server; resolves `{ url, close() }`. */
export function serve(port = 0) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    try {
      if (path === '/vectors/index.json') {
        const names = (await readdir(VECTORS)).filter((n) => n.endsWith('.json')).sort();
        return send(res, 200, '.json', JSON.stringify(names));
      }
      const file = path === '/' ? join(here, 'index.html')
        : path === '/vectors.mjs' ? join(here, 'vectors.mjs')
        : path.startsWith('/callstate-wasm/') ? inside(join(here, 'node_modules/callstate-wasm'), path.slice('/callstate-wasm/'.length))
        : path.startsWith('/vectors/') ? inside(VECTORS, path.slice('/vectors/'.length))
        : null;
      if (!file) return send(res, 404, '.txt', 'not found');
      return send(res, 200, extname(file), await readFile(file));
    } catch {
      return send(res, 404, '.txt', 'not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      resolve({ url: `http://127.0.0.1:${p}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** `rel` under `root`, refusing `..` escapes. */
function inside(root, rel) {
  const p = normalize(join(root, rel));
  if (!p.startsWith(root + sep)) throw new Error('outside');
  return p;
}

function send(res, status, ext, body) {
  res.writeHead(status, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(body);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await serve(Number(process.argv[2] ?? 0));
  console.log(`serving ${url}`);
}
