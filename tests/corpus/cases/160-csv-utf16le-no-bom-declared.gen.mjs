// Bytes that are not UTF-8 text, with source options next to them.
export default () => ({
  segments: [{ name: 'Segment', profiles: { csv: Uint8Array.from(Buffer.from('65006d00610069006c002c00660069007200730074005f006e0061006d0065000a0061006400610040006500780061006d0070006c0065002e0063006f006d002c004100640061000a00', 'hex')), encoding: 'utf-16le' } }],
});
