/**
 * What the conformance scenarios expect of an "everything" server, apart from any SDK: the tool results,
 * elicitation forms, resources and prompt messages. `everything-server.ts` (SDK 1.x) and
 * `everything-server-v2.ts` (SDK 2.x) register these with their own API.
 */

/** A 1×1 PNG, base64. */
export const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** A valid WAV file: 16-bit mono PCM at 8 kHz, 8 silent samples. */
function silentWav(): string {
  const samples = 8;
  const data = samples * 2;
  const wav = Buffer.alloc(44 + data);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + data, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(8000, 24); // sample rate
  wav.writeUInt32LE(16_000, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(data, 40);
  return wav.toString('base64');
}
const WAV = silentWav();

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export const wait = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** A tool result: content blocks, as both SDK lines type them. */
export interface ToolResult {
  [key: string]: unknown;
  content: (
    | { type: 'text'; text: string }
    | { type: 'image' | 'audio'; data: string; mimeType: string }
    | { type: 'resource'; resource: { uri: string; mimeType: string; text: string } }
  )[];
}

export const text = (value: string): ToolResult => ({ content: [{ type: 'text', text: value }] });

// Read-only tools: the pipeline's cache and retry act on these during the conformance runs.
const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

/** The tools that answer with fixed content, whatever the request. */
export const CONTENT_TOOLS: readonly {
  readonly name: string;
  readonly description: string;
  readonly annotations?: typeof readOnly;
  readonly result: ToolResult;
}[] = [
  {
    name: 'test_simple_text',
    description: 'Answers with one text block',
    annotations: readOnly,
    result: text('This is a simple text response for testing.'),
  },
  {
    name: 'test_image_content',
    description: 'Answers with a 1x1 PNG',
    annotations: readOnly,
    result: { content: [{ type: 'image', data: PNG_1PX, mimeType: 'image/png' }] },
  },
  {
    name: 'test_audio_content',
    description: 'Answers with a short WAV',
    result: { content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] },
  },
  {
    name: 'test_embedded_resource',
    description: 'Answers with an embedded resource',
    result: {
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    },
  },
  {
    name: 'test_multiple_content_types',
    description: 'Answers with text, an image and a resource',
    result: {
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    },
  },
];

/** A form the server elicits: its message and requested schema (a restricted JSON Schema). */
export interface Elicitation {
  readonly tool: string;
  readonly description: string;
  readonly message: string;
  readonly requestedSchema: {
    type: 'object';
    properties: Record<string, object>;
    required?: string[];
  };
  /** What the answer text starts with. */
  readonly label: string;
}

/** The elicitation tools of the 2025-11-25 scenarios. */
export const ELICITATIONS: readonly Elicitation[] = [
  {
    tool: 'test_elicitation',
    description: 'Asks the user for a name and an email',
    message: 'Please provide your information',
    requestedSchema: {
      type: 'object',
      properties: {
        username: { type: 'string', description: "User's response" },
        email: { type: 'string', description: "User's email address" },
      },
      required: ['username', 'email'],
    },
    label: 'User response',
  },
  {
    tool: 'test_elicitation_sep1034_defaults',
    description: 'Elicits fields that carry default values (SEP-1034)',
    message: 'Please review your profile',
    requestedSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', default: 'John Doe' },
        age: { type: 'integer', default: 30 },
        score: { type: 'number', default: 95.5 },
        status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', default: true },
      },
    },
    label: 'Elicitation completed',
  },
  {
    tool: 'test_elicitation_sep1330_enums',
    description: 'Elicits every enum form of SEP-1330',
    message: 'Pick your options',
    requestedSchema: {
      type: 'object',
      properties: {
        untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array',
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array',
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
            ],
          },
        },
      },
    },
    label: 'Elicitation completed',
  },
];

/** The answer text of an elicitation tool. */
export const elicited = (label: string, action: string, content: unknown): string =>
  `${label}: action=${action}, content=${JSON.stringify(content ?? {})}`;

/** One resource content block, as both SDK lines type it. */
type ResourceBody = { mimeType: string; text: string } | { mimeType: string; blob: string };
export type ResourceContent = { uri: string } & ResourceBody;

/** The fixed resources: name, URI, metadata and content. */
export const RESOURCES: readonly {
  readonly name: string;
  readonly uri: string;
  readonly description: string;
  readonly mimeType: string;
  readonly content: ResourceBody;
}[] = [
  {
    name: 'static-text',
    uri: 'test://static-text',
    description: 'A fixed text',
    mimeType: 'text/plain',
    content: { mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
  },
  {
    name: 'static-binary',
    uri: 'test://static-binary',
    description: 'A fixed PNG',
    mimeType: 'image/png',
    content: { mimeType: 'image/png', blob: PNG_1PX },
  },
  {
    name: 'watched-resource',
    uri: 'test://watched-resource',
    description: 'A resource clients may subscribe to',
    mimeType: 'text/plain',
    content: { mimeType: 'text/plain', text: 'watched' },
  },
];

/** The templated resource: `test://template/{id}/data`. */
export const TEMPLATE = {
  name: 'template-data',
  uriTemplate: 'test://template/{id}/data',
  metadata: { description: 'Data for one id', mimeType: 'application/json' },
  read: (uri: URL, id: unknown): { contents: ResourceContent[] } => ({
    contents: [
      {
        uri: uri.href,
        mimeType: 'application/json',
        text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }),
      },
    ],
  }),
} as const;

/** A prompt message, as both SDK lines type it. */
export interface PromptResult {
  [key: string]: unknown;
  messages: { role: 'user'; content: ToolResult['content'][number] }[];
}

const say = (value: string): PromptResult['messages'][number] => ({
  role: 'user',
  content: { type: 'text', text: value },
});

/** What `test_prompt_with_arguments` completes `arg1` with. */
export const completeArg1 = (value: string): string[] =>
  ['paris', 'park', 'party', 'test'].filter((v) => v.startsWith(value));

/** The prompts' messages. */
export const PROMPTS = {
  simple: (): PromptResult => ({ messages: [say('This is a simple prompt for testing.')] }),
  withArguments: (arg1: string, arg2: string): PromptResult => ({
    messages: [say(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`)],
  }),
  withEmbeddedResource: (uri: string): PromptResult => ({
    messages: [
      {
        role: 'user',
        content: {
          type: 'resource',
          resource: { uri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
        },
      },
      say('Please process the embedded resource above.'),
    ],
  }),
  withImage: (): PromptResult => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG_1PX, mimeType: 'image/png' } },
      say('Please analyze the image above.'),
    ],
  }),
};

/** `test_tool_with_logging`: three log messages 50 ms apart, then its result. */
export async function loggedRun(
  log: (data: string) => Promise<void>,
  signal: AbortSignal,
): Promise<ToolResult> {
  await log('Tool execution started');
  await wait(50, signal);
  await log('Tool processing data');
  await wait(50, signal);
  await log('Tool execution completed');
  return text('Logging test completed');
}

/** `test_tool_with_progress`: progress 0, 50 and 100 (of 100) 50 ms apart, then its result. */
export async function progressRun(
  report: (progress: number) => Promise<void>,
  signal: AbortSignal,
): Promise<ToolResult> {
  await report(0);
  await wait(50, signal);
  await report(50);
  await wait(50, signal);
  await report(100);
  return text('Progress test completed');
}

export const ERROR_MESSAGE = 'This tool intentionally returns an error for testing';
