// Bytes that are not UTF-8 text, with source options next to them.
export default () => ({
  segments: [{ name: 'Segment', profiles: { csv: Uint8Array.from(Buffer.from('efbbbf656d61696c2c66697273745f6e616d650a7a6f65406578616d706c652e636f6d2c5a6fc3ab0a', 'hex')), encoding: 'windows-1252' } }],
});
