export default () => {
  const big = 'x'.repeat(5 * 1024 * 1024) + '"quoted", and\nnew lines\r\n' + 'y'.repeat(5 * 1024 * 1024);
  const longEmail = `${'a'.repeat(10 * 1024 * 1024)}@example.com`;
  const csv = `id,email,notes\n1,ada@example.com,"${big.replace(/"/g, '""')}"\n2,${longEmail},short\n3,bob@example.com,short\n`;
  return { segments: [{ name: 'Segment', profiles: { csv } }] };
};
