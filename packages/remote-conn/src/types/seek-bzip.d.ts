declare module 'seek-bzip' {
  interface OutputSink {
    writeByte(byte: number): void;
  }
  const Bunzip: {
    decode(input: Buffer | Uint8Array, output?: Buffer | number | OutputSink, multistream?: boolean): Buffer | undefined;
  };
  export default Bunzip;
}
