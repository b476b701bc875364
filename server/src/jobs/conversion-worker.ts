// The body of a conversion thread (conversion-thread.ts): asks for the input a chunk at a time,
// decodes each into the text as it comes, converts the text and posts the output back as bytes,
// transferred rather than copied. A chunk is asked for only once the previous one is decoded, so
// beside the text at most one chunk of the input's bytes is ever here.
import { parentPort, workerData } from 'node:worker_threads';
import { convert, ConversionError } from '../domain/index.ts';
import { MORE, type InputChunk, type ThreadReply, type ThreadTask } from './conversion-thread.ts';

const task = workerData as ThreadTask;
const port = parentPort!;
// As the request's input was read: invalid bytes become U+FFFD (none are expected: the intake
// encoded the input's characters), and a character cut between two chunks is kept whole.
const decoder = new TextDecoder();
let input = '';

port.on('message', (chunk: InputChunk) => {
  if (chunk !== null) {
    input += decoder.decode(chunk, { stream: true });
    port.postMessage(MORE);
    return;
  }
  input += decoder.decode();
  const [reply, transfer] = converted(input);
  port.postMessage(reply, transfer);
  port.close();
});
port.postMessage(MORE);

function converted(text: string): [ThreadReply, ArrayBuffer[]] {
  try {
    const { output, stats } = convert(task.from, task.to, text, task.options, task.limits);
    // A buffer of its own (never a slice of Node's shared pool), so it can be transferred.
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(output));
    bytes.write(output, 'utf8');
    return [{ ok: true, output: bytes, records: stats.records }, [bytes.buffer as ArrayBuffer]];
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    return [{ ok: false, error: { kind: error.kind, message: error.message, line: error.line, column: error.column } }, []];
  }
}
