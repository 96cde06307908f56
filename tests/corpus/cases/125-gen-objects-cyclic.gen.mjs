export default () => {
  const a = { email: 'ada@example.com' };
  a.self = a;
  return { segments: [{ name: 'Segment', profiles: [a] }] };
};
