// Bytes that are not UTF-8 text, with source options next to them.
export default () => ({
  segments: [{ name: 'Segment', profiles: { ndjson: Uint8Array.from(Buffer.from('7b22656d61696c223a22616461406578616d706c652e636f6d222c226c6173745f6e616d65223a224dfc6c6c6572227d0a', 'hex')), encoding: 'windows-1252' } }],
});
