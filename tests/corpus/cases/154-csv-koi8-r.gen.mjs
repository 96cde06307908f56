// Bytes that are not UTF-8 text, with source options next to them.
export default () => ({
  segments: [{ name: 'Segment', profiles: { csv: Uint8Array.from(Buffer.from('656d61696c2c66697273745f6e616d650a6976616e406578616d706c652e636f6d2ce9d7c1ce0a', 'hex')), encoding: 'koi8-r' } }],
});
