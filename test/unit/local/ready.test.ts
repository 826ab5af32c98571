import { bannerLines, parseReadyLine, readyLine } from '../../../lib/local/ready';

const info = {
  apiUrl: 'http://127.0.0.1:8787',
  wsUrl: 'ws://127.0.0.1:8788',
  connectionsEndpoint: 'http://127.0.0.1:8788',
  dynamodbEndpoint: 'http://127.0.0.1:40000',
  logsDir: '/tmp/ivschat logs',
};

test('the ready line is read back from the output around it, once it is whole', () => {
  const output = `ivschat-local: control plane listening on ${info.apiUrl}\n${readyLine(info)}\nivschat-local: later\n`;
  expect(parseReadyLine(output)).toEqual(info);
  const line = readyLine(info);
  expect(parseReadyLine(`before\n${line.slice(0, 30)}`)).toBeUndefined();
  expect(parseReadyLine(`before\n${line}`)).toBeUndefined();
  expect(parseReadyLine('ivschat-local: control plane listening on http://127.0.0.1:8787\n')).toBeUndefined();
});

describe('the banner', () => {
  const base = { ...info, region: 'us-east-1', accountId: '000000000000', dataDir: undefined };

  test('the default principal: its key id, and a command needing no secret', () => {
    const lines = bannerLines({ ...base, accessKeyIds: ['test'], principalsFile: undefined, chatKeyId: 'test' });
    expect(lines.every((line) => line.startsWith('ivschat-local: '))).toBe(true);
    expect(lines.find((l) => l.includes('credentials'))).toMatch(/access key id test, local mode's default principal/);
    expect(lines.at(-1)).toBe(
      'ivschat-local: try            npx ivschat chat --endpoint http://127.0.0.1:8787 --ws ws://127.0.0.1:8788 --region us-east-1 --room lobby --user ann',
    );
  });

  test('a principals file: the key ids and the file, the secret from a variable, odd key ids quoted for the shell', () => {
    const lines = bannerLines({ ...base, accessKeyIds: ['a', "o'k $x"], principalsFile: '/etc/p.json', chatKeyId: "o'k $x" });
    expect(lines).toContain(
      "ivschat-local: credentials    access key ids a, o'k $x from IVSCHAT_PRINCIPALS_FILE /etc/p.json (secrets there)",
    );
    expect(lines.join('\n')).toContain(` --access-key-id 'o'\\''k $x' --secret-access-key "$IVSCHAT_SECRET" --room lobby`);
    expect(lines.at(-1)).toBe("ivschat-local:                (with the secret of o'k $x from /etc/p.json in IVSCHAT_SECRET)");
  });
});
