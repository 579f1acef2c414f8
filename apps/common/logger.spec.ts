import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture(): { lines: () => any[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('structured logs', () => {
  it('redact personal fields at the top level and nested, keep the rest', () => {
    const out = capture();
    const log = createLogger('info', 'test', out.stream);
    log.info(
      {
        user_id: 'jane-1234',
        email: 'jane@example.com',
        ip: '203.0.113.9',
        route: '/consent/:user_id',
        subject: { user_id: 'jane-1234', email: 'jane@example.com', ip_address: '203.0.113.9', user_agent: 'Firefox' },
        req: { headers: { authorization: 'Bearer pl_secret' }, body: { name: 'Jane Doe', purpose: 'marketing' } },
      },
      'request',
    );
    const [line] = out.lines();
    expect(line).toMatchObject({
      msg: 'request',
      service: 'test',
      user_id: '[redacted]',
      email: '[redacted]',
      ip: '[redacted]',
      route: '/consent/:user_id',
      subject: { user_id: '[redacted]', email: '[redacted]', ip_address: '[redacted]', user_agent: '[redacted]' },
      req: { headers: { authorization: '[redacted]' }, body: { name: '[redacted]', purpose: 'marketing' } },
    });
    const raw = JSON.stringify(line);
    for (const secret of ['jane-1234', 'jane@example.com', '203.0.113.9', 'Firefox', 'pl_secret', 'Jane Doe']) expect(raw).not.toContain(secret);
  });

  it('write nothing below the configured level', () => {
    const out = capture();
    const log = createLogger('warn', 'test', out.stream);
    log.info('hidden');
    log.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});
