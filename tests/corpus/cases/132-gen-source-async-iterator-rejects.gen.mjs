export default () => {
  const profiles = { ndjson: { async *[Symbol.asyncIterator]() { yield '{"email":"ada@example.com"}\n'; throw new TypeError('stream reset'); } } };
  return { segments: [{ name: 'Segment', profiles }] };
};
