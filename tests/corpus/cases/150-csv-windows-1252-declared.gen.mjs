// Bytes that are not UTF-8 text, with source options next to them.
export default () => ({
  segments: [{ name: 'Segment', profiles: { csv: Uint8Array.from(Buffer.from('656d61696c2c66697273745f6e616d652c6c6173745f6e616d650a616461406578616d706c652e636f6d2c4164612c4dfc6c6c65720a626f62406578616d706c652e636f6d2c426f622c536d6974680a', 'hex')), encoding: 'windows-1252' } }],
});
