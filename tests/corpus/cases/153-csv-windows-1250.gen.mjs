// Bytes that are not UTF-8 text, with source options next to them.
export default () => ({
  segments: [{ name: 'Segment', profiles: { csv: Uint8Array.from(Buffer.from('656d61696c2c6c6173745f6e616d650a616461406578616d706c652e636f6d2c44766ff8e16b0a', 'hex')), encoding: 'windows-1250' } }],
});
