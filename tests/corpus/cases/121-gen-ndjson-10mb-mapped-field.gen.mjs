export default () => {
  const big = 'z'.repeat(10 * 1024 * 1024);
  const ndjson = `{"email":"ada@example.com","company":"${big}"}\n{"email":"bob@example.com","company":"Small"}\n`;
  return { segments: [{ name: 'Segment', profiles: { ndjson } }] };
};
