export default () => {
  const a = { email: 'ada@example.com' };
  a.self = a;
  const b = { email: 'bob@example.com' };
  b.company = b;
  return { segments: [{ name: 'Segment', profiles: [a, b] }] };
};
