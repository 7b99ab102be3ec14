export const boardRoom = (boardId: string) => `board:${boardId}`;
export const connectionRoom = (connectionId: string) => `conn:${connectionId}`;
