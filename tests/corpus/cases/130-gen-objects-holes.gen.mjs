export default () => {
  const profiles = new Array(5);
  profiles[2] = { email: 'ada@example.com' };
  return { segments: [{ name: 'Segment', profiles }] };
};
