/*
 * The floor under every Kafka and PostgreSQL request the services make on one machine: what one request/answer
 * over loopback TCP costs a Node process in CPU, with the answering side in a second process (as the broker is).
 * An event at low rates makes ~10 such round trips end to end, so this times 10 is CPU spent before any work
 * (issue 21, closing note of 2026-12-04). No Kafka needed.
 *
 *   node bench/loopback-round-trip.bench.js            # 20,000 round trips of 200 bytes
 *   node bench/loopback-round-trip.bench.js 50000 1000 # round trips, bytes per request
 */
const net = require('node:net');
const { fork } = require('node:child_process');

const ROUND_TRIPS = Number(process.argv[2] ?? 20_000);
const BYTES = Number(process.argv[3] ?? 200);

if (process.env.LOOPBACK_BENCH_ROLE === 'answerer') {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk.subarray(0, 8)));
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else {
  const answerer = fork(__filename, [], { env: { ...process.env, LOOPBACK_BENCH_ROLE: 'answerer' } });
  answerer.once('message', (port) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.setNoDelay(true);
      const request = Buffer.alloc(BYTES, 1);
      let done = 0;
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      const next = () => {
        if (done++ < ROUND_TRIPS) return void socket.write(request);
        const cpu = process.cpuUsage(cpuBefore);
        const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
        console.log(
          `${ROUND_TRIPS} round trips of ${BYTES} bytes: ${((wallMs * 1000) / ROUND_TRIPS).toFixed(1)} µs each (wall), ` +
            `caller CPU ${((cpu.user + cpu.system) / ROUND_TRIPS).toFixed(1)} µs each (system ${(cpu.system / ROUND_TRIPS).toFixed(1)})`,
        );
        socket.destroy();
        answerer.kill();
      };
      // Each answer may come in pieces; one request waits for one answer's first piece, as a request queue of one does.
      socket.on('data', next);
      next();
    });
  });
}
