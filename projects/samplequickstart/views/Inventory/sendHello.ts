// seeds/002, Message example: a button script that sends a message to the session message handler myMessage
// (session-events/message/myMessage.ts), which logs "Session <id> received message: Hello World".
export default function () {
  system.util.sendMessage('samplequickstart', 'myMessage', { message: 'Hello World' }, 'S');
}
