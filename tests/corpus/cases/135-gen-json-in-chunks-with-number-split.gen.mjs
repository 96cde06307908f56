export default () => {
  const text = '[{"email":"ada@example.com","orders":123456},{"email":"bob@example.com","orders":1.5e2}]';
  const bytes = new TextEncoder().encode(text);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.subarray(i, i + 3));
  return { segments: [{ name: 'Segment', profiles: { json: chunks } }] };
};
