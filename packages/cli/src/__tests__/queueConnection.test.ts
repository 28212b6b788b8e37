import { describe, expect, it } from 'vitest';
import { queueLocation } from '../distributed/queueConnection.js';

describe('queueLocation', () => {
  it('reads host, port and database; rediss:// turns TLS on, checked against the host name', () => {
    expect(queueLocation('redis://queue-host', '--queue', {})).toMatchObject({ url: 'redis://queue-host', connection: { host: 'queue-host', port: 6379 } });
    const tls = queueLocation('rediss://queue.example.com:6380/2', '--queue', {});
    expect(tls.url).toBe('rediss://queue.example.com:6380/2');
    expect(tls.connection).toMatchObject({ host: 'queue.example.com', port: 6380, db: 2, tls: { servername: 'queue.example.com' } });
    expect(queueLocation('redis://[::1]:7000', '--queue', {}).connection).toMatchObject({ host: '::1', port: 7000 });
  });

  it('takes credentials from ORCH_QUEUE_USERNAME / ORCH_QUEUE_PASSWORD, and never prints them', () => {
    const location = queueLocation('redis://queue-host:6379', '--distribute', { ORCH_QUEUE_USERNAME: 'ci', ORCH_QUEUE_PASSWORD: 's3cret' });
    expect(location.connection).toMatchObject({ username: 'ci', password: 's3cret' });
    expect(location.url).toBe('redis://queue-host:6379');
  });

  it('refuses a URL with credentials, another scheme, or a database that is not a number, naming the option', () => {
    expect(() => queueLocation('redis://:s3cret@queue-host:6379', '--distribute', {})).toThrow(/--distribute: the URL holds credentials/);
    expect(() => queueLocation('redis://ci@queue-host:6379', '--queue', {})).toThrow(/--queue: the URL holds credentials/);
    expect(() => queueLocation('http://queue-host:6379', '--queue', {})).toThrow(/expected a redis:\/\/ or rediss:\/\/ URL, not http:\/\//);
    expect(() => queueLocation('redis://queue-host/jobs', '--queue', {})).toThrow(/'\/jobs' is not a database number/);
    expect(() => queueLocation('queue-host:6379x', '--queue', {})).toThrow();
  });
});
