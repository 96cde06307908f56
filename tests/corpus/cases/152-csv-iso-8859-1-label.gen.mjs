// Bytes that are not UTF-8 text, with source options next to them.
export default () => ({
  segments: [{ name: 'Segment', profiles: { csv: Uint8Array.from(Buffer.from('656d61696c2c636f6d70616e790a616461406578616d706c652e636f6d2c8020436166e90a', 'hex')), encoding: 'ISO-8859-1' } }],
});
