// PostGraphile v4 in library mode behind Node's `cluster`: one worker per
// core (or SIDE_WORKERS), all listening on one port, since a Node process
// runs its JavaScript on one core. Same options as the single-process CLI
// run of scripts/sidebyside.sh.
//
//   NODE_PATH=<dir with postgraphile installed> node postgraphile-cluster.js
//
// Environment: DATABASE_URL, PORT, SIDE_WORKERS, SIDE_POOL (connections per
// worker).
'use strict';

const cluster = require('node:cluster');
const http = require('node:http');
const os = require('node:os');

const workers = Number(process.env.SIDE_WORKERS || os.availableParallelism());
const port = Number(process.env.PORT || 15001);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i += 1) {
    cluster.fork();
  }
  let stopping = false;
  cluster.on('exit', (worker, code) => {
    if (!stopping) {
      console.error(`worker ${worker.process.pid} exited (${code}); stopping`);
      process.exit(1);
    }
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) {
      worker.kill();
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`postgraphile cluster: ${workers} workers on 127.0.0.1:${port}`);
} else {
  const { postgraphile } = require('postgraphile');
  const ConnectionFilterPlugin = require('postgraphile-plugin-connection-filter');
  const { Pool } = require('pg');
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.SIDE_POOL || 8),
  });
  const middleware = postgraphile(pool, 'public', {
    appendPlugins: [ConnectionFilterPlugin],
    disableQueryLog: true,
    graphiql: false,
    ignoreRBAC: true,
    retryOnInitFail: false,
  });
  http.createServer(middleware).listen(port, '127.0.0.1');
}
