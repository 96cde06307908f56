export default () => {
  return { segments: [{ name: 'Segment', profiles: [{ email: 'ada@example.com', orders: 10n }] }] };
};
