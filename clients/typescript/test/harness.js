// What the TypeScript client's tests run against: a real redis-server, and the real runner and gateway (the .NET
// builds that ./test.sh makes), each a child process on a free loopback port, stopped by its own process id.
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const configuration = process.env.NEXUS_TEST_CONFIGURATION ?? 'Release';
export const SigningKey = 'ts-client-tests-signing-key-0123456789-abcdef';
const ServiceKey = 'ts-client-tests-service-key-0123456789-abcdef';
export const Timeout = 20_000;

/** Waits for `condition` (sync or async) to hold, polling; throws naming `what` after `timeoutMs`. */
export async function until(condition, what, timeoutMs = Timeout) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A child process whose output is kept (the last lines) for the message of a failing test. */
class Child {
  #lines = [];

  constructor(name, command, args, env) {
    this.name = name;
    this.process = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
    for (const stream of [this.process.stdout, this.process.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text) => {
        this.#lines.push(...text.split('\n'));
        if (this.#lines.length > 200) this.#lines.splice(0, this.#lines.length - 200);
      });
    }
  }

  get output() { return this.#lines.join('\n'); }

  async stop() {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A minimal RESP client: enough for FCALL, XRANGE, DEL and PING. */
export class Redis {
  #socket;
  #buffer = Buffer.alloc(0);
  #waiting = [];

  static connect(port) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Redis(socket)));
      socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.#socket = socket;
    socket.on('data', (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#waiting.length) {
        const parsed = parse(this.#buffer, 0);
        if (!parsed) break;
        this.#buffer = this.#buffer.subarray(parsed.end);
        const { resolve, reject } = this.#waiting.shift();
        if (parsed.value instanceof Error) reject(parsed.value);
        else resolve(parsed.value);
      }
    });
    socket.on('error', (error) => { for (const w of this.#waiting.splice(0)) w.reject(error); });
  }

  command(...args) {
    const parts = [`*${args.length}\r\n`];
    for (const arg of args) {
      const text = String(arg);
      parts.push(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#socket.write(parts.join(''));
    });
  }

  close() { this.#socket.destroy(); }
}

function parse(buffer, start) {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buffer[start]);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+': return { value: line, end: next };
    case '-': return { value: new Error(line), end: next };
    case ':': return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return null;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return null;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default: throw new Error(`unexpected RESP type ${type}`);
  }
}

function dll(project) {
  const file = path.join(root, project, 'bin', configuration, 'net10.0', `${project}.dll`);
  if (!existsSync(file)) throw new Error(`${file} is missing: build the solution first (./test.sh does).`);
  return file;
}

async function waitHttp(child, url) {
  await until(async () => {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited early:\n${child.output}`);
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false;
    }
  }, `${child.name} at ${url}`, 60_000);
}

/** redis-server, the runner and the gateway. The gateway keeps its port across restarts. */
export class Stack {
  redisPort = 0;
  gatewayPort = 0;
  runnerPort = 0;
  redis = null;
  #children = {};
  #sandbox = mkdtempSync(path.join(os.tmpdir(), 'nexus-ts-tests-'));

  static async start() {
    const stack = new Stack();
    try {
      await stack.#startRedis();
      await stack.#startRunner();
      stack.gatewayPort = await freePort();
      await stack.startGateway();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  get url() { return `ws://127.0.0.1:${this.gatewayPort}/ws`; }

  async #startRedis() {
    this.redisPort = await freePort();
    this.#children.redis = new Child('redis-server', 'redis-server',
      ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {});
    await until(async () => {
      try {
        this.redis ??= await Redis.connect(this.redisPort);
        return (await this.redis.command('PING')) === 'PONG';
      } catch {
        this.redis = null;
        return false;
      }
    }, 'redis-server');
  }

  async #startRunner() {
    this.runnerPort = await freePort();
    this.#children.runner = new Child('runner', 'dotnet', [dll('Nexus.AgentRunner')], {
      ASPNETCORE_URLS: `http://127.0.0.1:${this.runnerPort}`,
      DOTNET_ENVIRONMENT: 'Production',
      ASPNETCORE_ENVIRONMENT: 'Production',
      ConnectionStrings__redis: `127.0.0.1:${this.redisPort},abortConnect=false`,
      Runner__SandboxRoot: this.#sandbox,
      Auth__SigningKey: SigningKey,
      Auth__ServiceKey: ServiceKey,
      Approvals__PollInterval: '00:00:00.050',
      Logging__LogLevel__Default: 'Warning',
    });
    await waitHttp(this.#children.runner, `http://127.0.0.1:${this.runnerPort}/alive`);
  }

  /** Starts the gateway on its port (again, after stopGateway). */
  async startGateway() {
    this.#children.gateway = new Child('gateway', 'dotnet', [dll('Nexus.WsGateway')], {
      ASPNETCORE_URLS: `http://127.0.0.1:${this.gatewayPort}`,
      DOTNET_ENVIRONMENT: 'Development',
      ASPNETCORE_ENVIRONMENT: 'Development',
      ConnectionStrings__redis: `127.0.0.1:${this.redisPort},abortConnect=false,connectTimeout=2000`,
      Auth__AllowDevUsers: 'true',
      Auth__SigningKey: SigningKey,
      Auth__ClockSkew: '00:00:00',
      Auth__ServiceKey: ServiceKey,
      services__agentrunner__http__0: `http://127.0.0.1:${this.runnerPort}`,
      Gateway__CloseTimeout: '00:00:02',
      Gateway__ShutdownTimeout: '00:00:03',
      Logging__LogLevel__Default: 'Warning',
    });
    await waitHttp(this.#children.gateway, `http://127.0.0.1:${this.gatewayPort}/alive`);
  }

  /** Stops the gateway: it closes its sockets with 1001. */
  async stopGateway() { await this.#children.gateway?.stop(); }

  async restartGateway() {
    await this.stopGateway();
    await this.startGateway();
  }

  /** A durable publish (FCALL nexus_publish, docs/protocol.md section 1.1); returns the notification's id. */
  publish(channel, event, data = null) {
    return this.redis.command('FCALL', 'nexus_publish', '0', channel, JSON.stringify({ event, data }));
  }

  /** A plain PUBLISH: delivered live, no id. */
  publishPlain(channel, event, data = null) {
    return this.redis.command('PUBLISH', `nexus:notify:${channel}`, JSON.stringify({ event, data }));
  }

  /** The history's entries, oldest first: { entryId, channel }. */
  async history() {
    const entries = await this.redis.command('XRANGE', 'nexus:history', '-', '+');
    return entries.map(([entryId, fields]) => ({ entryId, channel: fields[fields.indexOf('c') + 1] }));
  }

  /** Makes Redis forget the history, as when it restarts without persistence. */
  loseHistory() { return this.redis.command('DEL', 'nexus:history', 'nexus:history:meta'); }

  async stop() {
    for (const name of ['gateway', 'runner', 'redis']) await this.#children[name]?.stop();
    this.redis?.close();
    rmSync(this.#sandbox, { recursive: true, force: true });
  }
}

/** The stream entry id (ms-seq) of a notification id (epoch:ms-seq). */
export const entryId = (id) => id.slice(id.indexOf(':') + 1);

/** A unique user name. */
export const user = (name) => `${name}-${randomUUID().slice(0, 8)}`;

/** An HS256 JWT for `sub`, as an identity provider would sign it (docs/protocol.md section 5). */
export function token(sub, lifetimeSeconds = 600) {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub, iat: now, nbf: now, exp: now + lifetimeSeconds })}`;
  return `${body}.${createHmac('sha256', SigningKey).update(body).digest('base64url')}`;
}

/** Keeps every notification of a client, for the test to look at. */
export function record(client) {
  const items = [];
  client.on('notification', (n) => items.push(n));
  return {
    items,
    async waitFor(predicate, what, timeoutMs) {
      await until(() => items.some(predicate), what, timeoutMs);
      return items.find(predicate);
    },
  };
}

/**
 * A loopback TCP forwarder in front of the gateway, so that a test can cut the client's socket the way a network
 * does: cutAll() resets every forwarded connection (RST) while both ends still run.
 */
export class TcpCutter {
  #pairs = new Set();

  static async start(targetPort) {
    const cutter = new TcpCutter();
    cutter.server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      const pair = { client, upstream };
      cutter.#pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => { cutter.#pairs.delete(pair); client.destroy(); upstream.destroy(); };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
    await new Promise((resolve) => cutter.server.listen(0, '127.0.0.1', resolve));
    cutter.port = cutter.server.address().port;
    return cutter;
  }

  cutAll() {
    const pairs = [...this.#pairs];
    this.#pairs.clear();
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    return pairs.length;
  }

  async stop() {
    this.cutAll();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Publishes durably about 100 a second on the given channels, in turn, until stopped. */
export function startPublisher(stack, channels) {
  let running = true;
  let i = 0;
  const done = (async () => {
    while (running) {
      await stack.publish(channels[i % channels.length], 'tick', i);
      i++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return { stop: async () => { running = false; await done; } };
}
