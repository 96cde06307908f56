export default () => {
  const r = { email: 'ada@example.com' };
  Object.defineProperty(r, 'first_name', { enumerable: true, get() { throw new RangeError('no'); } });
  return { segments: [{ name: 'Segment', profiles: [r] }] };
};
