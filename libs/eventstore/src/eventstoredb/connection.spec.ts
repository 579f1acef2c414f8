import { assertSupportedServer, clientConnectionString, UnsupportedServerError } from './connection';

describe('EventStoreDB connection strings and server version (defect 7)', () => {
  it("takes Kurrent's schemes as the 6.2.1 client's esdb schemes, keeping the rest", () => {
    expect(clientConnectionString('kurrentdb://admin:changeit@k:2113?tls=false')).toBe('esdb://admin:changeit@k:2113?tls=false');
    expect(clientConnectionString('kurrentdb+discover://k1:2113,k2:2113?tls=true')).toBe('esdb+discover://k1:2113,k2:2113?tls=true');
    expect(clientConnectionString('kurrent://k:2113')).toBe('esdb://k:2113');
    expect(clientConnectionString('kdb+discover://k:2113')).toBe('esdb+discover://k:2113');
    expect(clientConnectionString('KurrentDB://k:2113')).toBe('esdb://k:2113');
    expect(clientConnectionString('esdb://k:2113?tls=false')).toBe('esdb://k:2113?tls=false');
    expect(clientConnectionString('http://k:2113')).toBe('http://k:2113'); // left for the client to refuse
  });

  it('accepts 24.10 and newer, refuses older or unknown servers with a message naming the minimum', () => {
    for (const v of ['24.10.0', '24.10.3.1234', '25.0.1', '25.1.0-preview', '26.0.0']) expect(() => assertSupportedServer(v)).not.toThrow();
    for (const v of ['24.6.0', '23.10.1', '22.10.5', 'unknown', '']) {
      expect(() => assertSupportedServer(v)).toThrow(UnsupportedServerError);
    }
    expect(() => assertSupportedServer('23.10.1')).toThrow(/23\.10\.1 is not supported: this service needs 24\.10 or newer/);
  });
});
