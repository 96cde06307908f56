export default () => {
  return { segments: [{ name: 'Segment', profiles: [{ email: 'ada@example.com', orders: 10n }, { email: 'big@example.com', orders: 12345678901234567890n }, { email: 10n }] }] };
};
