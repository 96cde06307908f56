export default () => {
  class Profile {
    constructor(email) { this.email = email; }
    get first_name() { return 'FromGetter'; }
  }
  const inherited = Object.create({ email: 'proto@example.com' });
  const bare = Object.create(null);
  bare.email = 'bare@example.com';
  bare.first_name = 'Bare';
  return { segments: [{ name: 'Segment', profiles: [new Profile('ada@example.com'), inherited, bare] }] };
};
