export default () => {
  return { segments: [{ name: 'Segment', profiles: [{ email: 'ada@example.com' }, { email: 'bob@example.com', toJSON() { throw new Error('boom'); } }] }] };
};
