import { parseReadyLine, readyLine } from '../../../lib/local/ready';

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
